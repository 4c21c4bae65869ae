curl 'https://api.notion.com/v1/blocks/aa1c25bcb1724a36898d3ce5e1f572b7' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
