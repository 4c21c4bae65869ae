curl 'https://api.notion.com/v1/blocks/0a58761ef3b4429fb86e0ad9ff815fe1' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
