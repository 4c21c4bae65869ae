curl 'https://api.notion.com/v1/blocks/26ed8e4e98ab809b98b8fdfeca5166e6' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
